// What @codemirror/search imports from @codemirror/state and
// @codemirror/view, exported by dist/app.js (src/app.js re-exports this
// module): dist/search.js imports them from there, so that the search
// works on the page's own CodeMirror instances (facets and state fields
// are compared by identity). build.mjs fails when dist/search.js imports
// a name that is missing here.

export { getDialog, showDialog, EditorView, Decoration, ViewPlugin, showPanel, runScopeHandlers, getPanel } from '@codemirror/view';
export {
  codePointAt,
  fromCodePoint,
  codePointSize,
  EditorSelection,
  Facet,
  combineConfig,
  CharCategory,
  StateEffect,
  StateField,
  RangeSetBuilder,
  Prec,
  EditorState,
  findClusterBreak,
} from '@codemirror/state';
