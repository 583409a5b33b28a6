// WAI-ARIA tabs: roving tabindex, Left/Right/Home/End move between tabs,
// the selected tab's panel is the only one shown.

export function setupTabs(tablist, { onSelect } = {}) {
  const tabs = () => [...tablist.querySelectorAll(':scope > [role="tab"]')];

  function select(tab, { focus = false } = {}) {
    for (const other of tabs()) {
      const selected = other === tab;
      other.setAttribute('aria-selected', String(selected));
      other.tabIndex = selected ? 0 : -1;
      const panel = document.getElementById(other.getAttribute('aria-controls'));
      if (panel) panel.hidden = !selected;
    }
    if (focus) tab.focus();
    onSelect?.(tab);
  }

  tablist.addEventListener('click', (event) => {
    const tab = event.target.closest('[role="tab"]');
    if (tab && tab.parentElement === tablist) select(tab);
  });
  tablist.addEventListener('keydown', (event) => {
    const list = tabs();
    const index = list.indexOf(document.activeElement);
    if (index < 0) return;
    let next = null;
    if (event.key === 'ArrowRight') next = list[(index + 1) % list.length];
    else if (event.key === 'ArrowLeft') next = list[(index - 1 + list.length) % list.length];
    else if (event.key === 'Home') next = list[0];
    else if (event.key === 'End') next = list[list.length - 1];
    if (next) {
      event.preventDefault();
      select(next, { focus: true });
    }
  });
  return {
    select: (idOrTab, options) => {
      const tab = typeof idOrTab === 'string' ? document.getElementById(idOrTab) : idOrTab;
      if (tab) select(tab, options);
    },
    selected: () => tabs().find((t) => t.getAttribute('aria-selected') === 'true'),
  };
}
