// dist/search.js, fetched by the page once it is ready (src/editors.js,
// loadSearch): @codemirror/search, built on its own against the page's
// CodeMirror instances — its imports of @codemirror/state and
// @codemirror/view are imports of dist/app.js (build.mjs, src/search-imports.js).

export {
  searchKeymap,
  highlightSelectionMatches,
  openSearchPanel,
  findNext,
  findPrevious,
  selectSelectionMatches,
  gotoLine,
  selectNextOccurrence,
} from '@codemirror/search';
