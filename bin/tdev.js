#!/usr/bin/env node
// tdev: the Typhoon hot-reload launcher. The implementation is in src/cli/tdev (built to dist/).
import { main } from "../dist/cli/tdev/main.js";

await main();
