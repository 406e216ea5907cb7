import { describe, expect, it } from 'vitest';
import { detectLanguage, dictionaries, LANGUAGES, translate } from '../src/lib/i18n';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('i18n', () => {
  const reference = dictionaries.en;
  const keys = Object.keys(reference).sort();

  it.each(LANGUAGES)('%s has exactly the reference keys, none empty', (lang) => {
    const dict = dictionaries[lang];
    expect(Object.keys(dict).sort()).toEqual(keys);
    for (const key of keys) expect(dict[key as keyof typeof dict].trim(), `${lang}:${key}`).not.toBe('');
  });

  it.each(LANGUAGES)('%s uses the same placeholders as English', (lang) => {
    for (const key of keys) {
      const k = key as keyof typeof reference;
      expect(placeholders(dictionaries[lang][k]), `${lang}:${key}`).toEqual(placeholders(reference[k]));
    }
  });

  it('Spanish is really translated (not a copy of English)', () => {
    const same = keys.filter((k) => dictionaries.es[k as keyof typeof reference] === reference[k as keyof typeof reference]);
    // Brand name and the like may be identical; the bulk must differ.
    expect(same.length).toBeLessThan(keys.length / 20);
  });

  it('fills placeholders and leaves unknown ones visible', () => {
    expect(translate('en', 'notify.incomingBody', { from: '999100' })).toBe('999100 is calling you');
    expect(translate('es', 'notify.incomingBody', { from: '999100' })).toBe('999100 te está llamando');
    expect(translate('en', 'notify.incomingBody')).toBe('{from} is calling you');
  });

  it('detects the language from the browser preferences', () => {
    expect(detectLanguage(['es-AR', 'en'])).toBe('es');
    expect(detectLanguage(['fr-FR', 'es'])).toBe('es');
    expect(detectLanguage(['de'])).toBe('en');
    expect(detectLanguage(undefined)).toBe('en');
    expect(detectLanguage(['EN_us'])).toBe('en');
  });
});
