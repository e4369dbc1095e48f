#!/usr/bin/env node
// The auditors' CLI is TypeScript: register tsx's loader, then run it (`npx backoffice-audit --help`).
import { register } from "tsx/esm/api";

register();
await import("../audit/cli.ts");
