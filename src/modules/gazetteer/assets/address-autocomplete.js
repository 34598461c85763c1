// Address autocomplete: progressive enhancement of the addressAutocomplete macro's search box.
// Without this script the box is a plain field in a GET form. With it, the box becomes an ARIA 1.2
// combobox that suggests addresses from /api/v1/addresses as you type. Choosing one either fills
// the form's hidden UPRN field (data-uprn-field) or opens the property page.

const DELAY_MS = 150;
let counter = 0;

function enhance(container) {
  const input = container.querySelector('input[type="search"], input[type="text"]');
  if (!input) return;
  const uprnField = container.dataset.uprnField
    ? container.querySelector(`input[type="hidden"][name="${CSS.escape(container.dataset.uprnField)}"]`)
    : null;
  const id = `app-address-autocomplete-${++counter}`;
  const list = document.createElement('ul');
  list.id = `${id}-list`;
  list.className = 'app-address-autocomplete__list';
  list.setAttribute('role', 'listbox');
  list.setAttribute('aria-label', 'Suggested addresses');
  list.hidden = true;
  const status = document.createElement('div');
  status.className = 'govuk-visually-hidden';
  status.setAttribute('role', 'status');
  status.setAttribute('aria-live', 'polite');
  input.after(list, status);
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-expanded', 'false');
  input.setAttribute('aria-controls', list.id);

  let results = [];
  let active = -1;
  let timer;
  let controller;

  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const highlight = (index) => {
    active = index;
    for (const [i, option] of [...list.children].entries()) {
      option.setAttribute('aria-selected', String(i === index));
    }
    if (index >= 0) input.setAttribute('aria-activedescendant', `${id}-option-${index}`);
    else input.removeAttribute('aria-activedescendant');
  };
  const choose = (index) => {
    const chosen = results[index];
    if (!chosen) return;
    if (uprnField) {
      uprnField.value = String(chosen.uprn);
      input.value = chosen.address ?? `UPRN ${chosen.uprn}`;
      close();
      status.textContent = `Chosen: ${input.value}`;
    } else {
      window.location.assign(`/staff/addresses/${encodeURIComponent(chosen.uprn)}`);
    }
  };
  const render = () => {
    list.replaceChildren(
      ...results.map((r, i) => {
        const option = document.createElement('li');
        option.id = `${id}-option-${i}`;
        option.className = 'app-address-autocomplete__option';
        option.setAttribute('role', 'option');
        option.setAttribute('aria-selected', 'false');
        option.textContent = r.address ?? `UPRN ${r.uprn}`;
        const hint = document.createElement('span');
        hint.className = 'app-address-autocomplete__hint';
        hint.textContent = `UPRN ${r.uprn}${r.classificationDescription ? ` · ${r.classificationDescription}` : ''}`;
        option.append(hint);
        option.addEventListener('mousedown', (event) => {
          event.preventDefault();
          choose(i);
        });
        return option;
      }),
    );
    list.hidden = results.length === 0;
    input.setAttribute('aria-expanded', String(results.length > 0));
    status.textContent =
      results.length === 0
        ? 'No addresses found'
        : `${results.length} address${results.length === 1 ? '' : 'es'} found`;
    highlight(-1);
  };
  const lookup = async () => {
    const q = input.value.trim();
    if (q.length < 2) {
      results = [];
      close();
      return;
    }
    controller?.abort();
    controller = new AbortController();
    try {
      const response = await fetch(`/api/v1/addresses?limit=8&q=${encodeURIComponent(q)}`, {
        headers: { accept: 'application/json' },
        credentials: 'same-origin',
        signal: controller.signal,
      });
      if (!response.ok) return;
      results = (await response.json()).results ?? [];
      render();
    } catch (error) {
      if (error.name !== 'AbortError') close();
    }
  };

  input.addEventListener('input', () => {
    if (uprnField) uprnField.value = '';
    clearTimeout(timer);
    timer = setTimeout(lookup, DELAY_MS);
  });
  input.addEventListener('keydown', (event) => {
    if (list.hidden) return;
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      highlight(Math.min(active + 1, results.length - 1));
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      highlight(Math.max(active - 1, -1));
    } else if (event.key === 'Enter' && active >= 0) {
      event.preventDefault();
      choose(active);
    } else if (event.key === 'Escape') {
      close();
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 100));
}

for (const container of document.querySelectorAll('[data-module="app-address-autocomplete"]'))
  enhance(container);
