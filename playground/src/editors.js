// CodeMirror 6 editors: YAML (or JSON) highlighting, lint markers from the
// core's diagnostics, colours from CSS variables (light and dark).
// Tab is not bound, so keyboard users can leave an editor with Tab.

import { EditorState, Compartment } from '@codemirror/state';
import {
  EditorView,
  keymap,
  lineNumbers,
  highlightActiveLine,
  highlightActiveLineGutter,
  drawSelection,
  highlightSpecialChars,
} from '@codemirror/view';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import {
  HighlightStyle,
  syntaxHighlighting,
  indentOnInput,
  bracketMatching,
  foldGutter,
  foldKeymap,
} from '@codemirror/language';
import { yaml } from '@codemirror/lang-yaml';
import { json } from '@codemirror/lang-json';
import { lintGutter, setDiagnostics, lintKeymap, forEachDiagnostic } from '@codemirror/lint';
import { tags } from '@lezer/highlight';

const highlight = HighlightStyle.define([
  { tag: [tags.propertyName, tags.definition(tags.propertyName)], color: 'var(--hl-key)' },
  { tag: [tags.string, tags.special(tags.string)], color: 'var(--hl-string)' },
  { tag: [tags.number, tags.bool, tags.null, tags.atom], color: 'var(--hl-atom)' },
  { tag: [tags.comment, tags.lineComment, tags.blockComment], color: 'var(--hl-comment)', fontStyle: 'italic' },
  { tag: [tags.keyword, tags.meta, tags.typeName, tags.labelName], color: 'var(--hl-meta)' },
  { tag: [tags.punctuation, tags.separator, tags.squareBracket, tags.brace], color: 'var(--hl-punct)' },
]);

const theme = EditorView.theme({
  '&': { color: 'var(--fg)', backgroundColor: 'var(--editor-bg)', height: '100%' },
  '.cm-content': { caretColor: 'var(--fg)', fontFamily: 'var(--mono)' },
  '.cm-gutters': { backgroundColor: 'var(--gutter-bg)', color: 'var(--muted)', borderRight: '1px solid var(--border)' },
  '.cm-activeLine': { backgroundColor: 'var(--active-line)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--active-line)' },
  '&.cm-focused .cm-cursor': { borderLeftColor: 'var(--fg)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': { backgroundColor: 'var(--selection)' },
  '.cm-tooltip': { backgroundColor: 'var(--panel-bg)', color: 'var(--fg)', border: '1px solid var(--border)' },
  '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '1.45' },
});

// @codemirror/search is a bundle of its own, dist/search.js (build.mjs):
// it was 5.6 KB of the gzipped first load. The page fetches it once it is
// ready (loadSearch), or when a search key is pressed before that. Until
// it is there, every editor binds searchKeymap's keys to stand-ins that
// fetch it and then run the command; once it is there, each editor gets
// the real keymap and selection-match highlighting, each where the page
// had it before.
const searchKeysConf = new Compartment();
const selectionMatchesConf = new Compartment();
let search = null; // the module, once fetched
let searchLoading = null;
const waitingForSearch = new Set(); // views built before it arrived


/** Fetches @codemirror/search (once) and gives it to every editor. */
export function loadSearch() {
  searchLoading ??= import('./search.js').then(
    (module) => {
      search = module;
      for (const view of waitingForSearch) {
        view.dispatch({
          effects: [
            selectionMatchesConf.reconfigure(module.highlightSelectionMatches()),
            searchKeysConf.reconfigure(keymap.of(module.searchKeymap)),
          ],
        });
      }
      waitingForSearch.clear();
      return module;
    },
    (error) => {
      searchLoading = null; // the next search key tries again
      throw error;
    },
  );
  return searchLoading;
}

/** A stand-in for search command `name`: fetches the module, then runs it. */
const later = (name) => (view) => {
  loadSearch()
    .then((module) => module[name](view))
    .catch((error) => console.warn('cannot load the search', error));
  return true;
};

// searchKeymap's keys (@codemirror/search 6.7), before the module is there.
const searchKeysLater = [
  { key: 'Mod-f', run: later('openSearchPanel'), scope: 'editor search-panel' },
  { key: 'F3', run: later('findNext'), shift: later('findPrevious'), scope: 'editor search-panel', preventDefault: true },
  { key: 'Mod-g', run: later('findNext'), shift: later('findPrevious'), scope: 'editor search-panel', preventDefault: true },
  // No panel can be open yet: Escape is left to the other bindings.
  { key: 'Mod-Shift-l', run: later('selectSelectionMatches') },
  { key: 'Mod-Alt-g', run: later('gotoLine') },
  { key: 'Mod-d', run: later('selectNextOccurrence'), preventDefault: true },
];

/**
 * Creates an editor in `parent`. `onChange(text)` runs on every edit.
 * Options: label (accessible name), language ('yaml' | 'json'), readOnly.
 */
export function createEditor(parent, { text = '', label, language = 'yaml', readOnly = false, onChange } = {}) {
  const languageConf = new Compartment();
  const extensions = [
    lineNumbers(),
    highlightSpecialChars(),
    drawSelection(),
    syntaxHighlighting(highlight),
    languageConf.of(language === 'json' ? json() : yaml()),
    bracketMatching(),
    selectionMatchesConf.of(search ? search.highlightSelectionMatches() : []),
    theme,
    EditorView.contentAttributes.of({ 'aria-label': label ?? 'editor' }),
    keymap.of([...defaultKeymap, ...historyKeymap]),
    searchKeysConf.of(keymap.of(search ? search.searchKeymap : searchKeysLater)),
    keymap.of([...foldKeymap, ...lintKeymap]),
  ];
  if (readOnly) {
    extensions.push(EditorState.readOnly.of(true), EditorView.editable.of(false), EditorView.contentAttributes.of({ tabindex: '0' }));
  } else {
    extensions.push(
      history(),
      indentOnInput(),
      highlightActiveLine(),
      highlightActiveLineGutter(),
      foldGutter(),
      lintGutter(),
      EditorView.updateListener.of((update) => {
        if (update.docChanged && onChange) onChange(update.state.doc.toString());
      }),
    );
  }
  const view = new EditorView({ parent, state: EditorState.create({ doc: text, extensions }) });
  if (!search) waitingForSearch.add(view);
  return {
    view,
    get text() {
      return view.state.doc.toString();
    },
    /** Replaces the text (no onChange loop: callers recompute themselves). */
    setText(next) {
      if (next === view.state.doc.toString()) return;
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: next } });
    },
    setLanguage(next) {
      view.dispatch({ effects: languageConf.reconfigure(next === 'json' ? json() : yaml()) });
    },
    /** Shows the core's diagnostics (line/column, 1-based) as lint markers. */
    setMarkers(diagnostics) {
      const doc = view.state.doc;
      const marks = diagnostics.map((d) => {
        const line = doc.line(Math.min(Math.max(d.location?.line ?? 1, 1), doc.lines));
        const column = Math.min(Math.max((d.location?.column ?? 1) - 1, 0), line.length);
        const from = line.from + column;
        const rest = line.text.slice(column);
        const word = rest.match(/^[^\s:,\]}]+/);
        const to = word ? from + word[0].length : line.to;
        const where = d.path ? `${d.path}: ` : '';
        return {
          from,
          to: Math.max(to, from),
          severity: d.severity === 'warning' ? 'warning' : 'error',
          message: `${where}${d.problem}${d.fix ? `\nfix: ${d.fix}` : ''}`,
          source: 'llsd-providers',
        };
      });
      view.dispatch(setDiagnostics(view.state, marks));
    },
    /** 1-based lines that carry a marker, by severity. */
    markerLines() {
      const out = [];
      forEachDiagnostic(view.state, (d, from) => {
        out.push({ line: view.state.doc.lineAt(from).number, severity: d.severity });
      });
      return out;
    },
    /** Moves the cursor to a 1-based line/column and focuses the editor. */
    reveal(line = 1, column = 1) {
      const doc = view.state.doc;
      const target = doc.line(Math.min(Math.max(line, 1), doc.lines));
      const pos = target.from + Math.min(Math.max(column - 1, 0), target.length);
      view.dispatch({ selection: { anchor: pos }, effects: EditorView.scrollIntoView(pos, { y: 'center' }) });
      view.focus();
    },
  };
}
