/** 待办: the one list every app reports into (`GET /api/v1/todo`). */
import { http } from './http'
import type { TodoList } from './approvalTypes'

export const todoApi = {
  list: () => http.get<TodoList>('/api/v1/todo'),
}
