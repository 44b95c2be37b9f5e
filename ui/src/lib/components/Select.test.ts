import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import Select from './Select.svelte';

const OPTIONS = [
  { value: 'auto', label: 'Automatic (system)' },
  { value: 'en', label: 'English' },
  { value: 'es', label: 'Español' },
  { value: 'zh-CN', label: '简体中文' },
];

function setup(value = 'auto') {
  const onChange = vi.fn();
  render(Select, { value, options: OPTIONS, onChange, label: 'Language', testid: 'pick' });
  const box = screen.getByRole('combobox', { name: 'Language' });
  box.focus();
  return { box, onChange };
}

const key = (el: HTMLElement, k: string, extra: KeyboardEventInit = {}) => fireEvent.keyDown(el, { key: k, ...extra });
const activeOption = (box: HTMLElement) => document.getElementById(box.getAttribute('aria-activedescendant') ?? '');

describe('Select', () => {
  it('shows the chosen value and opens a listbox of options with the chosen one selected', async () => {
    const { box } = setup('en');
    expect(box).toHaveTextContent('English');
    expect(box).toHaveAttribute('aria-haspopup', 'listbox');
    expect(box).toHaveAttribute('aria-expanded', 'false');
    await fireEvent.click(box);
    expect(box).toHaveAttribute('aria-expanded', 'true');
    const list = screen.getByRole('listbox', { name: 'Language' });
    expect(box.getAttribute('aria-controls')).toBe(list.id);
    const options = within(list).getAllByRole('option');
    expect(options).toHaveLength(4);
    expect(options[1]).toHaveAttribute('aria-selected', 'true');
    expect(activeOption(box)).toBe(options[1]);
    // Rendered at the end of <body>, so no scrolling ancestor clips it.
    expect(list.parentElement).toBe(document.body);
  });

  it('moves with the arrows, Home and End, and picks with Enter', async () => {
    const { box, onChange } = setup('auto');
    await key(box, 'ArrowDown');
    expect(activeOption(box)).toHaveTextContent('Automatic');
    await key(box, 'ArrowDown');
    await key(box, 'ArrowDown');
    expect(activeOption(box)).toHaveTextContent('Español');
    await key(box, 'ArrowUp');
    expect(activeOption(box)).toHaveTextContent('English');
    await key(box, 'End');
    expect(activeOption(box)).toHaveTextContent('简体中文');
    await key(box, 'Home');
    expect(activeOption(box)).toHaveTextContent('Automatic');
    await key(box, 'ArrowDown');
    await key(box, 'Enter');
    expect(onChange).toHaveBeenCalledExactlyOnceWith('en');
    expect(screen.queryByRole('listbox')).toBeNull();
    expect(box).toHaveFocus();
  });

  it('closes without a change on Escape, and does not let Escape reach a dialog around it', async () => {
    const { box, onChange } = setup();
    const outer = vi.fn();
    const listener = (e: KeyboardEvent) => e.key === 'Escape' && outer();
    document.body.addEventListener('keydown', listener);
    await key(box, 'ArrowDown');
    await key(box, 'ArrowDown');
    await key(box, 'Escape');
    expect(screen.queryByRole('listbox')).toBeNull();
    expect(onChange).not.toHaveBeenCalled();
    expect(outer).not.toHaveBeenCalled();
    document.body.removeEventListener('keydown', listener);
  });

  it('jumps to what is typed, and a repeated letter cycles through the options starting with it', async () => {
    const { box, onChange } = setup('auto');
    await key(box, 'e');
    expect(screen.getByRole('listbox')).toBeInTheDocument();
    expect(activeOption(box)).toHaveTextContent('English');
    await key(box, 'e');
    expect(activeOption(box)).toHaveTextContent('Español');
    await key(box, 'Enter');
    expect(onChange).toHaveBeenCalledWith('es');
  });

  it('finds a word typed letter by letter, also in Chinese', async () => {
    const { box } = setup('auto');
    await key(box, 'ArrowDown');
    await key(box, 'e');
    await key(box, 's');
    expect(activeOption(box)).toHaveTextContent('Español');
    await new Promise((r) => setTimeout(r, 650));
    await key(box, '简');
    expect(activeOption(box)).toHaveTextContent('简体中文');
  });

  it('picks with the pointer and closes when focus leaves', async () => {
    const { box, onChange } = setup();
    await fireEvent.click(box);
    await fireEvent.click(screen.getByRole('option', { name: '简体中文' }));
    expect(onChange).toHaveBeenCalledWith('zh-CN');
    expect(screen.queryByRole('listbox')).toBeNull();
    await fireEvent.click(box);
    await fireEvent.blur(box);
    expect(screen.queryByRole('listbox')).toBeNull();
  });

  it('ignores keys while an input method composes', async () => {
    const { box } = setup();
    await key(box, 'Enter', { isComposing: true });
    await key(box, 'ArrowDown', { keyCode: 229 });
    expect(screen.queryByRole('listbox')).toBeNull();
  });
});
