const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'] as const;

/** A phone keypad: each key is a button, so it works with the keyboard and a screen reader. */
export function Keypad({ label, onKey }: { label: string; onKey: (key: string) => void }) {
  return (
    <fieldset className="keypad">
      <legend className="sr-only">{label}</legend>
      {KEYS.map((key) => (
        <button type="button" key={key} onClick={() => onKey(key)} aria-label={`${label} ${key}`}>
          {key}
        </button>
      ))}
    </fieldset>
  );
}
