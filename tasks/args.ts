import type { NewTaskDefinitionBuilder } from "hardhat/types/tasks";

/** `T` without its index signature: only the keys it names. */
type NamedKeys<T> = { [K in keyof T as string extends K ? never : K]: T[K] };

/**
 * The arguments a task's action receives, as its declaration in tasks/index.ts types them (name
 * and type of each option and flag), so that an action never restates them. Hardhat's own type
 * also allows any other name (an index signature); here an option the task does not declare is
 * a type error.
 */
export type TaskArgs<Declaration> = Declaration extends NewTaskDefinitionBuilder<infer Args, infer _Action> ? NamedKeys<Args> : never;
