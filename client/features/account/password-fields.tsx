import { Field } from '../../components/field';

/** The new-password input with its rule stated up front (the server checks strength and says why a password is refused). */
export function NewPasswordField({
  id,
  value,
  onChange,
  error,
}: {
  id: string;
  value: string;
  onChange: (v: string) => void;
  error?: string;
}) {
  return (
    <Field
      id={id}
      label="New password"
      hint="At least 12 characters. A few unrelated words work well; common passwords are refused."
      error={error}
    >
      <input
        id={id}
        type="password"
        autoComplete="new-password"
        required
        minLength={12}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={!!error}
        aria-describedby={[`${id}-hint`, error ? `${id}-err` : ''].filter(Boolean).join(' ')}
      />
    </Field>
  );
}
