import { authorizeTask } from "../anchor/authorize.ts";
import { PROOF_RECORDER } from "../anchor/connect.ts";

export default authorizeTask(PROOF_RECORDER);
