/**
 * Every `suitrig` command, in the order `suitrig --help` lists them. Each command lives in
 * its own module; add it here with one line.
 */
import type { Command } from '../command.js';
import { keygenCommand } from './keygen.js';
import { manifestCreateCommand } from './manifest-create.js';
import { manifestParseCommand } from './manifest-parse.js';
import { signCommand } from './sign.js';
import { severCommand } from './sever.js';
import { delegateCommand } from './delegate.js';
import { inspectCommand } from './inspect.js';
import { imageCreateCommand } from './image-create.js';
import { imageVerifyCommand } from './image-verify.js';
import { boardAppCommand } from './board-app.js';
import { boardVirtualCommand } from './board-virtual.js';
import { portsCommand } from './ports.js';
import { runCommand } from './run.js';
import { verifyCommand } from './verify.js';
import { updateCommand } from './update.js';
import { reportCommand } from './report.js';
import { statusCommand } from './status.js';
import { rebootCommand } from './reboot.js';
import { flashCommand } from './flash.js';
import { serveCommand } from './serve.js';
import { agentCommand } from './agent.js';
import { releaseUploadCommand } from './release-upload.js';
import { releaseCommand, reserveCommand } from './reserve.js';
import { campaignShowCommand, campaignStartCommand } from './campaign.js';
import { tokenCreateCommand, tokenListCommand, tokenRevokeCommand } from './token.js';

export const commands: readonly Command[] = [
  keygenCommand,
  manifestCreateCommand,
  manifestParseCommand,
  signCommand,
  severCommand,
  delegateCommand,
  inspectCommand,
  imageCreateCommand,
  imageVerifyCommand,
  boardAppCommand,
  boardVirtualCommand,
  verifyCommand,
  portsCommand,
  statusCommand,
  updateCommand,
  flashCommand,
  rebootCommand,
  reportCommand,
  runCommand,
  serveCommand,
  agentCommand,
  releaseUploadCommand,
  reserveCommand,
  releaseCommand,
  campaignStartCommand,
  campaignShowCommand,
  tokenCreateCommand,
  tokenListCommand,
  tokenRevokeCommand,
];
