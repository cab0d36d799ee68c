// Lucid's PoOT parameters (seed 001, "Consensus Parameters (Immutable)"): fixed per deployment.

/** Seconds per slot. */
export const SLOT_SECONDS = 120;
/** How long a slot's leader has before its first fallback may act, then the next. */
export const LEADER_TIMEOUT_MS = 5_000;
/** Slots after leading during which an operator is not primary again (while others can be). */
export const COOLDOWN_SLOTS = 16;
/** The window of task proofs an epoch's ranking is computed from. */
export const WINDOW_DAYS = 7;
export const WINDOW_SLOTS = (WINDOW_DAYS * 86_400) / SLOT_SECONDS;
/** Share of the window's slots with a valid task proof below which an operator is not eligible. */
export const D_MIN = 0.2;
/** Lucid's base unit: one work credit per 5 MB relayed. */
export const BASE_MB = 5;
/** Slots per epoch (one day): each epoch has one ranking and one committed schedule. */
export const EPOCH_SLOTS = 86_400 / SLOT_SECONDS;
/** Fallbacks listed per slot, in order. */
export const FALLBACKS = 3;
/** Operators that can lead in an epoch: with the cooldown, the COOLDOWN_SLOTS + 1 best-ranked take turns. */
export const MAX_LEADERS = COOLDOWN_SLOTS + 1;
