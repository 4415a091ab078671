// The page's top-level tabs (Runs, Sweeps): ARIA tabs with arrow-key movement, the choice kept
// in the URL's hash (#sweeps) so a reload or a link opens the same tab.

/** `tabs`: [{ name, tab: <button role=tab>, panel }], the first is the default; `onChange(name)`. */
export function createTabs(tabs, { onChange } = {}) {
  let current = null;

  function select(name, { focus = false, updateHash = true } = {}) {
    const chosen = tabs.find((t) => t.name === name) ?? tabs[0];
    for (const t of tabs) {
      const on = t === chosen;
      t.tab.setAttribute('aria-selected', String(on));
      t.tab.tabIndex = on ? 0 : -1;
      t.panel.hidden = !on;
    }
    if (focus) chosen.tab.focus();
    if (updateHash) {
      const hash = chosen === tabs[0] ? '' : `#${chosen.name}`;
      if (location.hash !== hash) history.replaceState(null, '', `${location.pathname}${location.search}${hash}`);
    }
    if (current !== chosen.name) {
      current = chosen.name;
      onChange?.(current);
    }
  }

  tabs.forEach((t, i) => {
    t.tab.addEventListener('click', () => select(t.name));
    t.tab.addEventListener('keydown', (e) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
      if (step) {
        e.preventDefault();
        select(tabs[(i + step + tabs.length) % tabs.length].name, { focus: true });
      } else if (e.key === 'Home' || e.key === 'End') {
        e.preventDefault();
        select(tabs[e.key === 'Home' ? 0 : tabs.length - 1].name, { focus: true });
      }
    });
  });
  window.addEventListener('hashchange', () => select(location.hash.slice(1), { updateHash: false }));
  select(location.hash.slice(1), { updateHash: false });

  return {
    get current() { return current; },
    select,
  };
}
