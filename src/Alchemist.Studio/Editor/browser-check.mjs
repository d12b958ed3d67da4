// Checks the built editor (../Assets/editor.js) in a real, headless Chromium: demo.html served with the studio's
// Content-Security-Policy, then typing, onChange, Ctrl-S/onSave, setErrors (gutter marker on the right line, underline,
// hover message, clamping, clearing), undo, search and Esc, read-only, markRanges, and no CSP violation.
// Usage: node browser-check.mjs [SCREENSHOT]   (CHROMIUM=/path overrides /usr/bin/chromium; nothing is downloaded)
import { chromium } from "playwright-core";
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, ".."); // src/Alchemist.Studio: serves /Editor/demo.html and /Assets/editor.js
const screenshot = process.argv[2] || "/tmp/editor-demo.png";
// As StudioServer.cs sends it.
const csp = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

const server = createServer((request, response) => {
  const path = normalize(decodeURIComponent(new URL(request.url, "http://x").pathname));
  const allowed = { "/Editor/demo.html": "text/html; charset=utf-8", "/Assets/editor.js": "text/javascript; charset=utf-8" };
  if (path === "/favicon.ico") { response.writeHead(204).end(); return; }
  if (!allowed[path]) { response.writeHead(404).end(); return; }
  response.writeHead(200, { "Content-Type": allowed[path], "Content-Security-Policy": csp });
  response.end(readFileSync(join(root, path)));
});
await new Promise(resolve => server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${server.address().port}/Editor/demo.html`;

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true });
let failures = 0;
const check = (ok, what) => { console.log(`${ok ? "ok  " : "FAIL"} ${what}`); if (!ok) failures++; };
try {
  const page = await browser.newPage({ viewport: { width: 1000, height: 720 } });
  const consoleErrors = [];
  page.on("console", m => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", e => consoleErrors.push(String(e)));
  const response = await page.goto(url);
  check(response.headers()["content-security-policy"] === csp, "the page is served with the studio's CSP");
  const root = page.getByTestId("program-editor");
  await root.waitFor();
  const content = root.locator(".cm-content");
  check(await content.evaluate(e => e.isContentEditable), ".cm-content inside data-testid=program-editor is contenteditable");

  // C# highlighting: keywords, strings and comments are coloured, unlike plain identifiers.
  const colours = await page.evaluate(() => {
    const colourOf = text => {
      const span = [...document.querySelectorAll(".cm-content span")].find(s => s.textContent === text);
      return span ? getComputedStyle(span).color : null;
    };
    return {
      keyword: colourOf("public"), string: colourOf('@"subscribe|sub4sub"'), comment: colourOf("/* a count */"),
      plain: getComputedStyle(document.querySelector(".cm-line")).color,
    };
  });
  check(colours.keyword && colours.keyword !== colours.plain, `keyword coloured (${colours.keyword} vs ${colours.plain})`);
  check(colours.string && colours.string !== colours.plain && colours.string !== colours.keyword, `verbatim string coloured (${colours.string})`);
  check(colours.comment && colours.comment !== colours.plain, `block comment coloured (${colours.comment})`);

  // Typing changes the text and calls onChange; the page's keys see an editable target.
  await content.locator(".cm-line").nth(3).click();
  await page.keyboard.press("End");
  await page.keyboard.type(" Typed here.");
  const afterTyping = await page.evaluate(() => ({ text: editor.getText(), changes: changes.length, last: changes.at(-1) }));
  check(afterTyping.text.includes("subscribe. Typed here.\n"), "typing changes getText()");
  check(afterTyping.changes > 0 && afterTyping.last === afterTyping.text, `onChange called (${afterTyping.changes} times) with the text`);
  await page.keyboard.press("j");
  const j = await page.evaluate(() => pageKeys.filter(k => k.key === "j").at(-1));
  check(j && j.editable, "a j typed in the editor reaches the page with an isContentEditable target");

  // Ctrl-S calls onSave (and the browser's own save is prevented); the demo's onSave reports an error on line 9.
  const beforeSave = await page.evaluate(() => editor.getText());
  await page.keyboard.press("Control+s");
  const saves = await page.evaluate(() => saves);
  check(saves.length === 1 && saves[0] === beforeSave, "Ctrl-S calls onSave once with the text");
  const markerOnLine = async line => page.evaluate(line => {
    const number = [...document.querySelectorAll(".cm-lineNumbers .cm-gutterElement")]
      .find(e => e.textContent === String(line));
    if (!number) return null;
    const n = number.getBoundingClientRect();
    return [...document.querySelectorAll(".cm-gutter-lint .cm-lint-marker")].some(marker => {
      const m = marker.getBoundingClientRect();
      return m.width > 0 && Math.abs(n.top + n.height / 2 - (m.top + m.height / 2)) < 3;
    });
  }, line);
  check(await markerOnLine(9) === true, "setErrors: a lint gutter marker on line 9");
  const underline = await page.evaluate(() => [...document.querySelectorAll(".cm-lintRange-error")].map(e => e.textContent).join(""));
  check(underline === "public static int Label(string text)", `setErrors: line 9 underlined from column 5 ("${underline}")`);

  // The message on hover, over the underline.
  await page.locator(".cm-lintRange-error").first().hover();
  const tooltip = page.locator(".cm-tooltip-hover .cm-diagnostic");
  await tooltip.waitFor({ timeout: 3000 }).catch(() => {});
  const tip = await tooltip.count() ? await tooltip.first().textContent() : null;
  check(tip && tip.includes("CS0161"), `hovering the underline shows the message (${tip})`);
  await page.screenshot({ path: screenshot });

  // Clamped lines, several errors, clearing.
  const lines = await page.evaluate(() => editor.view.state.doc.lines);
  await page.mouse.move(900, 700);
  await page.evaluate(() => editor.setErrors([{ line: 999, column: 1, message: "past the end" }]));
  check(await markerOnLine(lines) === true, `a line beyond the document is clamped to its last line (${lines})`);
  await page.evaluate(() => editor.setErrors([{ line: 1, column: 7, message: "a" }, { line: 13, column: 200, message: "b" }]));
  check(await page.locator(".cm-gutter-lint .cm-lint-marker").count() === 2, "two errors, two markers");
  check(await markerOnLine(1) && await markerOnLine(13), "markers on lines 1 and 13");
  await page.evaluate(() => editor.setErrors([]));
  check(await page.locator(".cm-lint-marker, .cm-lintRange").count() === 0, "setErrors([]) clears them");

  // Undo (history), setText (no onChange), markRanges.
  await content.focus();
  const beforeUndo = await page.evaluate(() => editor.getText());
  await page.keyboard.press("Control+z");
  check(await page.evaluate(() => editor.getText()) !== beforeUndo, "Ctrl-Z undoes typing");
  const changesBefore = await page.evaluate(() => changes.length);
  await page.evaluate(() => editor.setText("class A { }\n"));
  check(await page.evaluate(() => editor.getText()) === "class A { }\n", "setText replaces the document");
  check(await page.evaluate(() => changes.length) === changesBefore, "setText does not call onChange");
  await page.evaluate(() => editor.markRanges([{ from: 0, to: 5 }, { from: 8, to: 99 }]));
  check(await page.evaluate(() => [...document.querySelectorAll(".cm-alchemist-mark")].map(e => e.textContent).join("|")) === "class|{ }",
    "markRanges marks the ranges (clamped to the document)");
  await page.evaluate(() => editor.markRanges([]));
  check(await page.locator(".cm-alchemist-mark").count() === 0, "markRanges([]) clears them");

  // Esc: reaches the page, unless it closes the search panel.
  await page.evaluate(() => { editor.setText(document.title); editor.focus(); pageKeys.length = 0; });
  await page.keyboard.press("Escape");
  let escapes = await page.evaluate(() => pageKeys.filter(k => k.key === "Escape"));
  check(escapes.length === 1 && !escapes[0].defaultPrevented, "Esc in the editor reaches the page, not prevented");
  await page.keyboard.press("Control+f");
  await page.locator(".cm-search").waitFor({ timeout: 3000 });
  await page.keyboard.type("editor");
  await page.keyboard.press("Escape");
  check(await page.locator(".cm-search").count() === 0, "Esc closes the search panel");
  escapes = await page.evaluate(() => pageKeys.filter(k => k.key === "Escape"));
  check(escapes.length === 1, "the Esc that closes the search panel does not reach the page");
  await page.keyboard.press("Escape");
  escapes = await page.evaluate(() => pageKeys.filter(k => k.key === "Escape"));
  check(escapes.length === 2, "the next Esc reaches the page again");

  // Tab indents; Esc then Tab leaves the editor.
  await page.evaluate(() => { editor.setText("x"); editor.focus(); });
  await page.keyboard.press("Home"); // any key but Esc ends the tab-focus mode that the Esc above started
  await page.keyboard.press("Tab");
  check(await page.evaluate(() => editor.getText()) === "    x" && await content.evaluate(e => e === document.activeElement),
    "Tab indents and keeps the focus");
  await page.keyboard.press("Escape");
  await page.keyboard.press("Tab");
  check(await content.evaluate(e => e !== document.activeElement), "Esc then Tab moves the focus out of the editor");

  // Read-only: keys do not change the text; destroy removes the editor.
  await page.evaluate(() => {
    const div = document.body.appendChild(document.createElement("div"));
    div.id = "second";
    window.readOnlyEditor = AlchemistEditor.create(div, { doc: "int x = 1;", readOnly: true });
  });
  await page.locator("#second .cm-content").click();
  await page.keyboard.type("zzz");
  check(await page.evaluate(() => readOnlyEditor.getText()) === "int x = 1;", "readOnly: typing does not change the text");
  await page.evaluate(() => readOnlyEditor.destroy());
  check(await page.locator("#second .cm-editor").count() === 0, "destroy removes the editor");

  const violations = await page.evaluate(() => violations);
  check(violations.length === 0, `no CSP violation (${violations.join(", ") || "none"})`);
  check(consoleErrors.length === 0, `no console error (${consoleErrors.join(" | ") || "none"})`);
} finally {
  await browser.close();
  server.close();
}
console.log(failures ? `browser-check: ${failures} failed` : `browser-check: all passed; screenshot at ${screenshot}`);
process.exit(failures ? 1 : 0);
