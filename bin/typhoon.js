#!/usr/bin/env node
// typhoon: the production CLI (`typhoon config nginx|systemd|supervisord …`). The implementation is in
// src/cli/typhoon (built to dist/).
import { main } from "../dist/cli/typhoon/main.js";

process.exitCode = await main(process.argv.slice(2));
