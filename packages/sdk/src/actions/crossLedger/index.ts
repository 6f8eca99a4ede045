export * from "./attestation.js";
export * from "./common.js";
export * from "./lock.js";
export * from "./instruct.js";
export * from "./outcome.js";
export * from "./read.js";
