/** The names the server uses for 督办: its 待办 app key and its card type. */
export const SUPERVISION_APP = 'supervision'
export const SUPERVISION_CARD = 'supervision'
