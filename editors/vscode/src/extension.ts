import * as vscode from "vscode";
import {
  DidChangeConfigurationNotification,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
} from "vscode-languageclient/node";
import { DOCUMENT_SELECTOR } from "./selector";
import {
  findServer,
  LookupError,
  notFoundMessage,
  repairBundled,
  serverExecutable,
  SOURCE_LABEL,
} from "./server";
import {
  didChangeConfigurationParams,
  initializationOptions,
  RESTART_KEYS,
  serverSettings,
} from "./settings";

const SECTION = "djsec";

let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel;
// Start/stop/restart run one after another, never interleaved.
let queue: Promise<void> = Promise.resolve();

function enqueue(task: () => Promise<void>): Promise<void> {
  queue = queue.then(task, task);
  return queue;
}

function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(SECTION);
}

async function reportStartFailure(message: string): Promise<void> {
  output.error(message);
  const choice = await vscode.window.showErrorMessage(message, "Open Settings", "Show Output");
  if (choice === "Open Settings") {
    await vscode.commands.executeCommand("workbench.action.openSettings", "djsec.path");
  } else if (choice === "Show Output") {
    output.show();
  }
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  if (repairBundled(context.extensionPath)) {
    output.info("Made the bundled djsec binary executable");
  }
  let found;
  try {
    found = findServer({
      env: process.env,
      settingPath: config().get<string>("path") ?? "",
      extensionPath: context.extensionPath,
      workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
    });
  } catch (err) {
    if (err instanceof LookupError) {
      void reportStartFailure(`djsec: ${err.message}`);
      return;
    }
    throw err;
  }
  if (!found) {
    void reportStartFailure(notFoundMessage());
    return;
  }
  // Which binary runs, and why: the first thing to check when diagnostics look wrong.
  output.info(`Starting ${found.path} server (${SOURCE_LABEL[found.source]})`);

  const serverOptions: ServerOptions = serverExecutable(found, process.env);
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    outputChannel: output,
    traceOutputChannel: output,
    initializationOptions: initializationOptions(config()),
    middleware: {
      workspace: {
        // Answer pulls of our own section with the same shape we push.
        configuration: async (params, token, next) => {
          const answers = await next(params, token);
          if (!Array.isArray(answers)) {
            return answers;
          }
          return params.items.map((item, i) =>
            item.section === SECTION ? serverSettings(config()) : answers[i],
          );
        },
      },
    },
  };
  const c = new LanguageClient(SECTION, "djsec", serverOptions, clientOptions);
  try {
    await c.start();
    client = c;
    const info = c.initializeResult?.serverInfo;
    output.info(`Started ${info?.name ?? "djsec"} ${info?.version ?? "(unknown version)"} from ${SOURCE_LABEL[found.source]}`);
  } catch (err) {
    void reportStartFailure(`djsec: the server at ${found.path} failed to start: ${String(err)}`);
    // Stop its own restart attempts; "djsec: Restart server" or a new djsec.path tries again.
    await c.dispose().catch(() => undefined);
  }
}

async function stop(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) {
    try {
      await c.stop(2000);
    } catch (err) {
      output.warn(`stopping the server: ${String(err)}`);
    }
  }
}

export function activate(context: vscode.ExtensionContext): void {
  output = vscode.window.createOutputChannel("djsec", { log: true });
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand("djsec.restart", () =>
      enqueue(async () => {
        await stop();
        await start(context);
      }),
    ),
    vscode.commands.registerCommand("djsec.showOutput", () => output.show()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (RESTART_KEYS.some((k) => e.affectsConfiguration(k))) {
        void vscode.commands.executeCommand("djsec.restart");
      } else if (e.affectsConfiguration(SECTION) && client) {
        const params = didChangeConfigurationParams(config());
        output.info(`Settings changed: ${JSON.stringify(params.settings.djsec)}`);
        void client.sendNotification(DidChangeConfigurationNotification.type, params);
      }
    }),
  );
  void enqueue(() => start(context));
}

export function deactivate(): Promise<void> {
  return enqueue(stop);
}
