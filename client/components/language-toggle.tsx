import './patient-ui.css';
import { LANGUAGES, LANGUAGE_NAMES, type Language } from '../lib/i18n';

/**
 * A visible language switch for patient pages. Each choice is written in its own language and
 * marked with `lang`, so a screen reader reads "Español" with Spanish pronunciation.
 */
export function LanguageToggle({ value, onChange, label }: { value: Language; onChange: (lang: Language) => void; label: string }) {
  return (
    <div className="lang-toggle" role="group" aria-label={label}>
      {LANGUAGES.map((lang) => (
        <button
          key={lang}
          type="button"
          lang={lang}
          className="btn btn-small lang-toggle-option"
          aria-pressed={value === lang}
          onClick={() => onChange(lang)}
        >
          {LANGUAGE_NAMES[lang]}
        </button>
      ))}
    </div>
  );
}
