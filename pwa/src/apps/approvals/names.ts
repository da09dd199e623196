/** The names the server uses for approvals: its 待办 app key and its card type. */
export const APPROVALS_APP = 'approvals'
export const APPROVAL_CARD = 'approval'
