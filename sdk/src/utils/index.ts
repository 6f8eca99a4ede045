export { parseAmount, type ParseAmountOptions } from "./amount.js";
