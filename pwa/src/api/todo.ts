/** 待办: the one list every app reports into (`GET /api/v1/todo`). */
import { http } from './http'
import type { ResponseOf } from './types'

export const todoApi = {
  list: () => http.get<ResponseOf<'/api/v1/todo', 'get'>>('/api/v1/todo'),
}
