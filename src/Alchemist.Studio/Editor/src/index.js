// The studio's program editor: CodeMirror 6 with C# highlighting (the clike legacy mode through StreamLanguage), line
// numbers, bracket matching, undo history, search and a lint gutter for the errors a save reports. Bundled by
// ../build.mjs into ../../Assets/editor.js, an IIFE that sets window.AlchemistEditor.
import { Annotation, EditorState, StateEffect, StateField } from "@codemirror/state";
import {
  Decoration, EditorView, drawSelection, highlightActiveLine, highlightActiveLineGutter, highlightSpecialChars, keymap,
  lineNumbers,
} from "@codemirror/view";
import {
  StreamLanguage, bracketMatching, defaultHighlightStyle, indentOnInput, indentUnit, syntaxHighlighting,
} from "@codemirror/language";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { highlightSelectionMatches, search, searchKeymap } from "@codemirror/search";
import { lintGutter, lintKeymap, setDiagnostics } from "@codemirror/lint";
import { csharp } from "@codemirror/legacy-modes/mode/clike";

const csharpLanguage = StreamLanguage.define(csharp);

// A document replaced by setText is not a person's edit: onChange is not called for it.
const programmatic = Annotation.define();

// markRanges: highlighted spans (character offsets), moved along with edits, replaced as a whole by each call.
const setMarks = StateEffect.define();
const markDecoration = Decoration.mark({ class: "cm-alchemist-mark" });
const marks = StateField.define({
  create: () => Decoration.none,
  update(value, tr) {
    value = value.map(tr.changes);
    for (const effect of tr.effects)
      if (effect.is(setMarks)) value = effect.value;
    return value;
  },
  provide: field => EditorView.decorations.from(field),
});

// A plain, light look beside the page's own 13px monospace fields.
const theme = EditorView.theme({
  "&": { border: "1px solid #ccc", backgroundColor: "#fff", color: "#222", maxHeight: "70vh" },
  "&.cm-focused": { outline: "1px solid #88a" },
  ".cm-scroller": { font: "13px/1.4 ui-monospace, monospace", overflow: "auto" },
  ".cm-content, .cm-gutter": { minHeight: "16em" },
  ".cm-gutters": { backgroundColor: "#f7f7f7", color: "#999", borderRight: "1px solid #e4e4e4" },
  ".cm-activeLine": { backgroundColor: "#f5f8ff" },
  ".cm-activeLineGutter": { backgroundColor: "#e8eefc" },
  ".cm-alchemist-mark": { backgroundColor: "#fff3b0" },
  // @codemirror/lint draws its underlines and gutter markers as data: SVG images, which the studio's
  // Content-Security-Policy (default-src 'self', no img-src) blocks: plain CSS draws them instead.
  ".cm-lintRange-error": lintUnderline("#e11"),
  ".cm-lintRange-warning": lintUnderline("orange"),
  ".cm-lintRange-info": lintUnderline("#999"),
  ".cm-lintRange-hint": lintUnderline("#66d"),
  ".cm-lint-marker": { boxSizing: "border-box", width: ".9em", height: ".9em", marginTop: ".05em" },
  ".cm-lint-marker-error": lintMarker("#f87", "#e33", "50%"),
  ".cm-lint-marker-warning": lintMarker("#fe8", "#eb3", "2px"),
  ".cm-lint-marker-info": lintMarker("#aaf", "#77e", "2px"),
}, { dark: false });

function lintUnderline(color) {
  return {
    backgroundImage: "none", paddingBottom: "0", textDecoration: `underline wavy ${color}`,
    textDecorationThickness: "1px", textDecorationSkipInk: "none", textUnderlineOffset: "3px",
  };
}

function lintMarker(fill, stroke, radius) {
  return { content: "normal", backgroundColor: fill, border: `2px solid ${stroke}`, borderRadius: radius };
}

// Escape is left to the page (which closes the editor with it) unless it closes the search panel; the default
// keymap's Escape (collapse a selection) is dropped so that the key is never taken for anything else.
const keys = [
  ...searchKeymap.map(b => b.key === "Escape" ? { ...b, stopPropagation: true } : b),
  ...defaultKeymap.filter(b => b.key !== "Escape"),
  ...historyKeymap,
  ...lintKeymap,
  indentWithTab,
];

function clamp(value, low, high) {
  return Math.max(low, Math.min(high, value));
}

function whole(value, fallback) {
  const number = Math.trunc(Number(value));
  return Number.isFinite(number) ? number : fallback;
}

// A 1-based line and column as a document offset, both clamped to the document.
function offsetOf(doc, line, column) {
  const l = doc.line(clamp(whole(line, 1), 1, doc.lines));
  return { line: l, offset: l.from + clamp(whole(column, 1), 1, l.length + 1) - 1 };
}

// { line, column, message, endLine?, endColumn?, severity? } -> a CodeMirror diagnostic. Without an end the underline
// runs from the column to the end of its line (the whole line when the column is missing or past its end).
function diagnosticOf(doc, error) {
  const start = offsetOf(doc, error.line, error.column);
  let from = start.offset;
  let to = start.line.to;
  if (error.endLine != null || error.endColumn != null) {
    to = offsetOf(doc, error.endLine != null ? error.endLine : error.line, error.endColumn).offset;
    if (to < from) to = from;
  } else if (from === to) {
    from = start.line.from;
  }
  const severity = ["error", "warning", "info", "hint"].includes(error.severity) ? error.severity : "error";
  return { from, to, severity, message: String(error.message != null ? error.message : "") };
}

function create(parent, options = {}) {
  if (!(parent instanceof Element)) throw new TypeError("AlchemistEditor.create: parent must be a DOM element");
  const { doc = "", onChange, onSave, readOnly = false } = options;
  const extensions = [
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightSpecialChars(),
    history(),
    drawSelection(),
    indentOnInput(),
    indentUnit.of("    "),
    EditorState.tabSize.of(4),
    csharpLanguage,
    syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
    bracketMatching(),
    highlightActiveLine(),
    highlightSelectionMatches(),
    search({ top: true }),
    lintGutter(),
    marks,
    theme,
    EditorView.editorAttributes.of({ "data-testid": "program-editor" }),
    EditorView.contentAttributes.of({ "aria-label": "Program source", spellcheck: "false" }),
    EditorState.readOnly.of(!!readOnly),
  ];
  const saveKeys = typeof onSave === "function"
    ? [{ key: "Mod-s", preventDefault: true, run: view => { onSave(view.state.doc.toString()); return true; } }]
    : [];
  extensions.push(keymap.of([...saveKeys, ...keys]));
  if (typeof onChange === "function")
    extensions.push(EditorView.updateListener.of(update => {
      if (update.docChanged && !update.transactions.some(tr => tr.annotation(programmatic)))
        onChange(update.state.doc.toString());
    }));

  const view = new EditorView({ parent, state: EditorState.create({ doc: String(doc), extensions }) });

  return {
    /** The CodeMirror EditorView, for what this API does not cover. */
    view,
    /** The editor's root element (.cm-editor, data-testid="program-editor"). */
    dom: view.dom,
    /** The contenteditable element that takes the keys (.cm-content). */
    contentElement: view.contentDOM,
    getText: () => view.state.doc.toString(),
    setText(text) {
      view.dispatch({
        changes: { from: 0, to: view.state.doc.length, insert: String(text != null ? text : "") },
        selection: { anchor: 0 },
        annotations: programmatic.of(true),
      });
    },
    focus: () => view.focus(),
    destroy: () => view.destroy(),
    setErrors(errors) {
      const doc = view.state.doc;
      const diagnostics = (errors || []).map(error => diagnosticOf(doc, error));
      view.dispatch(setDiagnostics(view.state, diagnostics));
    },
    markRanges(ranges) {
      const length = view.state.doc.length;
      const decorations = [];
      for (const range of ranges || []) {
        const from = clamp(whole(range.from, 0), 0, length);
        const to = clamp(whole(range.to, from), from, length);
        if (to > from) decorations.push(markDecoration.range(from, to));
      }
      view.dispatch({ effects: setMarks.of(Decoration.set(decorations, true)) });
    },
  };
}

window.AlchemistEditor = { create };
