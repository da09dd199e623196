/** Every card app of this build: importing this module registers them (one line per app). */
import './approvals'
import './calls'
import './documents'
import './supervision'
import './todo'

export {
  appRoutes,
  cardComponent,
  todoTabOf,
  todoTabs,
  workbenchTiles,
  type AppRegistration,
  type TodoTab,
  type WorkbenchTile,
} from './registry'
