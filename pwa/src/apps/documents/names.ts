/** The names the server uses for 公文: its 待办 app key and its card type. */
export const DOCUMENTS_APP = 'documents'
export const DOCUMENT_CARD = 'document'
