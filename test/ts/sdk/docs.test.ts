import { expect } from "chai";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Application, LogLevel } from "typedoc";

const CLIENTS = ["IssuerClient", "BankClient", "FirmClient", "AgentClient", "AuditorClient"];

/**
 * Builds the SDK's API reference with TypeDoc exactly as `npm run docs -w @kessai/sdk` does
 * (packages/sdk/typedoc.json: every exported symbol documented, warnings are errors), into a temp dir.
 */
describe("sdk API docs (TypeDoc)", function () {
  this.timeout(60_000);
  let out: string;

  before(async function () {
    out = await mkdtemp(path.join(tmpdir(), "kessai-sdk-docs-"));
  });
  after(async function () {
    await rm(out, { recursive: true, force: true });
  });

  it("builds with zero warnings and documents the five clients", async function () {
    const app = await Application.bootstrapWithPlugins({
      options: path.join(process.cwd(), "packages", "sdk", "typedoc.json"),
      out,
      logLevel: LogLevel.Warn,
    });
    const project = await app.convert();
    expect(project, "TypeDoc conversion failed").to.not.equal(undefined);
    app.validate(project!);
    await app.generateOutputs(project!);
    expect(app.logger.hasErrors(), "TypeDoc errors").to.equal(false);
    expect(app.logger.hasWarnings(), "TypeDoc warnings").to.equal(false);

    for (const name of CLIENTS) {
      const page = path.join(out, "classes", `${name}.html`);
      expect(existsSync(page), `${name} page`).to.equal(true);
      const html = await readFile(page, "utf8");
      // every method of a client page carries a summary (no bare signatures)
      expect(html).to.match(/class="tsd-comment tsd-typography"/);
    }
    const issuer = await readFile(path.join(out, "classes", "IssuerClient.html"), "utf8");
    // {@inheritDoc} pulls the action's comment onto the client method
    expect(issuer).to.include("Issues new ST units");
    const index = await readFile(path.join(out, "index.html"), "utf8");
    expect(index).to.include("@kessai/sdk");
  });
});
