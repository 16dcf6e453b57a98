// Forms with their validation messages next to the fields: a field is a label, an input and
// an error line; an ApiError with `field` lands on that field, any other error at the top.
import {h, clear} from './dom.js';

export function field(label, input, hint) {
  const error = h('div', {class: 'field-error', role: 'alert'});
  // A group of controls (a number and its unit) is labelled by its first control.
  const control = input.matches('input, select, textarea') ? input
    : input.querySelector('input, select, textarea') || input;
  const wrapper = h('div', {class: 'field', 'data-field': control.name || input.name},
    h('label', {for: control.id}, label), input, hint ? h('div', {class: 'hint'}, hint) : null,
    error);
  return wrapper;
}

let nextId = 0;
export function input(name, props = {}) {
  return h('input', {name, id: `f-${name}-${++nextId}`, ...props});
}
export function textarea(name, props = {}) {
  return h('textarea', {name, id: `f-${name}-${++nextId}`, ...props});
}
export function select(name, options, props = {}) {
  return h('select', {name, id: `f-${name}-${++nextId}`, ...props},
    options.map(o => (typeof o === 'string'
      ? h('option', {value: o}, o)
      : h('option', {value: o.value, selected: o.selected}, o.label))));
}

// Wires a <form>: submit runs `action(values)`; errors are shown where they belong.
export function form(props, children, action, submitLabel) {
  const top = h('div', {class: 'form-error', role: 'alert'});
  const button = h('button', {type: 'submit', class: 'primary'}, submitLabel);
  const el = h('form', {novalidate: true, ...props}, top, children,
    h('div', {class: 'actions'}, button));
  el.addEventListener('submit', async event => {
    event.preventDefault();
    clearErrors(el);
    button.disabled = true;
    try {
      await action(values(el), el);
    } catch (e) {
      showError(el, e);
    } finally {
      button.disabled = false;
    }
  });
  return el;
}

export function values(formEl) {
  const out = {};
  for (const el of formEl.elements) {
    if (!el.name) continue;
    if (el.type === 'checkbox') out[el.name] = el.checked;
    else if (el.multiple) out[el.name] = Array.from(el.selectedOptions, o => o.value);
    else out[el.name] = el.value;
  }
  return out;
}

export function clearErrors(formEl) {
  for (const e of formEl.querySelectorAll('.field-error, .form-error')) clear(e);
  for (const e of formEl.querySelectorAll('.invalid')) e.classList.remove('invalid');
}

export function showError(formEl, error) {
  const name = error && error.field;
  const wrapper = name ? formEl.querySelector(`.field[data-field="${CSS.escape(name)}"]`) : null;
  if (wrapper) {
    wrapper.classList.add('invalid');
    wrapper.querySelector('.field-error').textContent = error.message;
    const control = wrapper.querySelector('input, select, textarea');
    if (control) control.focus();
  } else {
    formEl.querySelector('.form-error').textContent =
      error && error.message ? error.message : String(error);
  }
}

// A check before sending: throws an error shown on `name`.
export function fieldError(name, message) {
  const e = new Error(message);
  e.field = name;
  return e;
}
