import { useId, useState } from 'react';
import { checkNumber, type NumberRule } from '../../state/validation';

interface NumberFieldProps {
  label: string;
  value: number;
  rule: NumberRule;
  onCommit: (value: number) => void;
  /** Shown after the input (units, derived values). */
  suffix?: React.ReactNode;
  hint?: string;
  testId?: string;
  disabled?: boolean;
  /** How the committed value is shown when not editing. */
  format?: (v: number) => string;
}

/**
 * A number input that validates as you type against LIMITS and only commits valid
 * values (on Enter or blur). While the text is invalid the message is shown inline and
 * the last valid value stays in force.
 */
export function NumberField({ label, value, rule, onCommit, suffix, hint, testId, disabled, format }: NumberFieldProps) {
  const id = useId();
  const [draft, setDraft] = useState<string | null>(null);
  const shown = draft ?? (format ? format(value) : String(value));
  const check = draft === null ? null : checkNumber(draft, rule);
  const error = check && !check.ok ? check.message : null;

  const commit = (): void => {
    if (draft === null) return;
    const c = checkNumber(draft, rule);
    if (c.ok) {
      if (c.value !== value) onCommit(c.value);
      setDraft(null);
    }
  };

  return (
    <div className={`field number-field${error ? ' invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <div className="field-row">
        <input
          id={id}
          type="text"
          inputMode="decimal"
          value={shown}
          disabled={disabled}
          data-testid={testId}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-err` : undefined}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={commit}
          onKeyDown={(e) => {
            if (e.key === 'Enter') commit();
            if (e.key === 'Escape') setDraft(null);
          }}
        />
        {suffix ? <span className="suffix">{suffix}</span> : null}
      </div>
      {error ? (
        <p className="field-error" id={`${id}-err`} role="alert" data-testid={testId ? `${testId}-error` : undefined}>
          {error}
        </p>
      ) : hint ? (
        <p className="field-hint">{hint}</p>
      ) : null}
    </div>
  );
}
