// The one-pass JSON reader lives in faucet-core (the json_parse transform uses it too).
export { NOT_SIMPLE, SimpleJsonReader } from "faucet-core";
