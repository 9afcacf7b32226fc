#!/usr/bin/env node
// The `faucet` command. A committed, executable file (the built dist/bin.js is not executable
// in a fresh checkout), so `npx faucet` works in the repository right after `npm run build`.
import "../dist/bin.js";
