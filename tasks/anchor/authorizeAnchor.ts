import { authorizeTask } from "./authorize.ts";
import { KPPE_ANCHOR } from "./connect.ts";

export default authorizeTask(KPPE_ANCHOR);
