import { afterEach, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '$lib/ipc/types';
import { toErrorInfo } from '$lib/ipc/commands';
import { en } from '../i18n/en';
import { zhCN } from '../i18n/zh-CN';
import { setLocale } from '../i18n';
import { errorSentence, fingerprintGroups } from './errors';
import { platform } from './platform.svelte';

describe('errorSentence', () => {
  afterEach(() => {
    setLocale('en');
    platform.os = 'other';
  });

  it('has an English and a Chinese sentence for every code, distinct from the backend message', () => {
    platform.os = 'linux';
    for (const code of ERROR_CODES) {
      setLocale('en');
      const english = errorSentence({ code, message: 'RAW BACKEND TEXT' });
      setLocale('zh-CN');
      const chinese = errorSentence({ code, message: 'RAW BACKEND TEXT' });
      expect(english, code).toBe(en[`error.${code}`].replace('{keyring}', en['keyring.linux']));
      expect(chinese, code).toBe(zhCN[`error.${code}`].replace('{keyring}', zhCN['keyring.linux']));
      expect(english).not.toContain('{');
      expect(chinese).not.toContain('{');
      expect(english).not.toContain('RAW BACKEND TEXT');
      expect(chinese).not.toContain('RAW BACKEND TEXT');
      expect(chinese).not.toBe(english);
    }
  });

  it('maps codes to the right sentence', () => {
    setLocale('en');
    expect(errorSentence({ code: 'cert_untrusted', message: 'x' })).toBe(
      'The server’s certificate is not trusted by this computer.',
    );
    setLocale('zh-CN');
    expect(errorSentence({ code: 'auth_failed', message: 'x' })).toBe('地址或密码错误。');
  });

  it('names the password store the way the OS does', () => {
    const sentence = (os: typeof platform.os) => {
      platform.os = os;
      return errorSentence({ code: 'keyring', message: 'x' });
    };
    setLocale('en');
    expect(sentence('linux')).toBe('Hongyan could not use the system keyring to keep the password.');
    expect(sentence('macos')).toBe('Hongyan could not use the macOS Keychain to keep the password.');
    expect(sentence('windows')).toBe('Hongyan could not use Windows Credential Manager to keep the password.');
    setLocale('zh-CN');
    expect(sentence('linux')).toBe('鸿雁无法使用系统密钥环保存密码。');
    expect(sentence('macos')).toBe('鸿雁无法使用钥匙串保存密码。');
    expect(sentence('windows')).toBe('鸿雁无法使用凭据管理器保存密码。');
  });

  it('has a sentence for a cancelled sign-in in both languages', () => {
    setLocale('en');
    expect(errorSentence({ code: 'cancelled', message: 'x' })).toBe('The sign-in was cancelled.');
    setLocale('zh-CN');
    expect(errorSentence({ code: 'cancelled', message: 'x' })).toBe('登录已取消。');
  });

  it('shows the message for a code it does not know', () => {
    setLocale('en');
    expect(errorSentence(toErrorInfo({ code: 'brand_new', message: 'Details here' }))).toBe(
      'Something went wrong: Details here',
    );
  });
});

describe('toErrorInfo', () => {
  it('keeps ErrorInfo objects and wraps anything else as internal', () => {
    expect(toErrorInfo({ code: 'cert_untrusted', message: 'm', fingerprint: 'ab', url: '' })).toEqual({
      code: 'cert_untrusted',
      message: 'm',
      fingerprint: 'ab',
    });
    expect(toErrorInfo('plain string')).toEqual({ code: 'internal', message: 'plain string' });
    expect(toErrorInfo(new Error('boom'))).toEqual({ code: 'internal', message: 'boom' });
  });
});

describe('fingerprintGroups', () => {
  it('groups hex into upper-case pairs whatever the separators', () => {
    expect(fingerprintGroups('ab:cd:EF:01')).toEqual(['AB', 'CD', 'EF', '01']);
    expect(fingerprintGroups('abcdef01')).toEqual(['AB', 'CD', 'EF', '01']);
    expect(fingerprintGroups('a'.repeat(64))).toHaveLength(32);
  });
});
