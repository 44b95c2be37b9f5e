import { fireEvent, render, screen } from '@testing-library/svelte';
import { tick } from 'svelte';
import { describe, expect, it, vi } from 'vitest';
import { setLocale } from '../../i18n';
import Composer, { prepareBody } from './Composer.svelte';

function setup(onSend = vi.fn((_body: string) => Promise.resolve())) {
  setLocale('en');
  render(Composer, { placeholder: 'Message Alice', onSend });
  const area = screen.getByTestId('composer') as HTMLTextAreaElement;
  return { area, onSend };
}

async function type(area: HTMLTextAreaElement, text: string) {
  await fireEvent.input(area, { target: { value: text } });
}

const flush = async () => {
  await tick();
  await Promise.resolve();
  await tick();
};

describe('Composer', () => {
  it('sends on Enter and clears the box', async () => {
    const { area, onSend } = setup();
    await type(area, 'hello');
    await fireEvent.keyDown(area, { key: 'Enter', code: 'Enter', keyCode: 13 });
    await flush();
    expect(onSend).toHaveBeenCalledExactlyOnceWith('hello');
    expect(area.value).toBe('');
  });

  it('does not send on Shift+Enter', async () => {
    const { area, onSend } = setup();
    await type(area, 'line one');
    const event = new KeyboardEvent('keydown', { key: 'Enter', shiftKey: true, bubbles: true, cancelable: true });
    area.dispatchEvent(event);
    await flush();
    expect(onSend).not.toHaveBeenCalled();
    expect(event.defaultPrevented).toBe(false);
    expect(area.value).toBe('line one');
  });

  it('does not send Enter that commits an input-method candidate (isComposing)', async () => {
    const { area, onSend } = setup();
    await type(area, '你好');
    const event = new KeyboardEvent('keydown', { key: 'Enter', isComposing: true, bubbles: true, cancelable: true });
    area.dispatchEvent(event);
    await flush();
    expect(onSend).not.toHaveBeenCalled();
    expect(event.defaultPrevented).toBe(false);
  });

  it('does not send on keyCode 229 (WebKit reports IME Enter this way)', async () => {
    const { area, onSend } = setup();
    await type(area, 'nihao');
    await fireEvent.keyDown(area, { key: 'Enter', keyCode: 229 });
    await flush();
    expect(onSend).not.toHaveBeenCalled();
  });

  it('does not send while a composition is open, and sends after compositionend', async () => {
    const { area, onSend } = setup();
    await fireEvent.compositionStart(area);
    await type(area, '你好');
    await fireEvent.keyDown(area, { key: 'Enter', keyCode: 13 });
    await flush();
    expect(onSend).not.toHaveBeenCalled();
    await fireEvent.compositionEnd(area);
    await fireEvent.keyDown(area, { key: 'Enter', keyCode: 13 });
    await flush();
    expect(onSend).toHaveBeenCalledExactlyOnceWith('你好');
  });

  it('does not send empty or whitespace-only text', async () => {
    const { area, onSend } = setup();
    await fireEvent.keyDown(area, { key: 'Enter', keyCode: 13 });
    await type(area, '  \n\t \n ');
    await fireEvent.keyDown(area, { key: 'Enter', keyCode: 13 });
    await flush();
    expect(onSend).not.toHaveBeenCalled();
    expect(screen.getByTestId('send-button')).toBeDisabled();
  });

  it('keeps the text and shows the error when sending fails', async () => {
    const onSend = vi.fn(() => Promise.reject({ code: 'not_connected', message: 'offline' }));
    const { area } = setup(onSend);
    await type(area, 'important words');
    await fireEvent.keyDown(area, { key: 'Enter', keyCode: 13 });
    await flush();
    expect(onSend).toHaveBeenCalledOnce();
    expect(area.value).toBe('important words');
    expect(screen.getByTestId('composer-error')).toHaveTextContent('You are not connected right now.');
  });

  it('sends with the send button too, keeping inner newlines', async () => {
    const { area, onSend } = setup();
    await type(area, '\nfirst\n  second  \n');
    await fireEvent.click(screen.getByTestId('send-button'));
    await flush();
    expect(onSend).toHaveBeenCalledWith('first\n  second');
  });
});

describe('prepareBody', () => {
  it('trims blank lines around the text and trailing spaces, but keeps indentation', () => {
    expect(prepareBody('  \n\n  code\n    more  \n\n')).toBe('  code\n    more');
    expect(prepareBody(' \n \t')).toBeNull();
    expect(prepareBody('')).toBeNull();
    expect(prepareBody('hi')).toBe('hi');
  });
});
