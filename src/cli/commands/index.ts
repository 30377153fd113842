// Every CLI command gazette has; src/cli/main.ts registers them in this order.
import type { CommandSpec } from '../command.ts';
import { buildCommand } from './build.ts';

export const commands: CommandSpec[] = [buildCommand];
