/** Form fields that show what was typed and, beside each wrong one, what is wrong with it. */

export type Values = Readonly<Record<string, string>>;
export type Errors = ReadonlyMap<string, string>;

export const FieldError = (props: { readonly id: string; readonly message: string | undefined }) =>
  props.message === undefined ? (
    ""
  ) : (
    <p class="field-error" id={props.id} safe>
      {props.message}
    </p>
  );

export const invalidAttrs = (errors: Errors, field: string, errorId: string) =>
  errors.has(field) ? { "aria-invalid": "true", "aria-describedby": errorId } : {};

/** Element ids from field names such as `questions[0].label`. */
export const idOf = (name: string) => `f-${name.replace(/[^A-Za-z0-9]+/g, "-")}`;

/** A message that is a fragment ("must be …") is said after the field's label. */
export const errorText = (label: string, message: string | undefined) =>
  message === undefined ? undefined : /^[A-Z]/.test(message) ? message : `${label} ${message}`;

interface FieldProps {
  readonly name: string;
  readonly label: string;
  readonly values: Values;
  readonly errors: Errors;
  readonly hint?: string;
  readonly optional?: boolean;
}

const Label = (p: FieldProps & { readonly id: string }) => (
  <label for={p.id}>
    <span safe>{p.label}</span>
    {p.optional === true ? <span class="muted"> (optional)</span> : ""}
  </label>
);

const Hint = (p: { readonly id: string; readonly hint: string | undefined }) =>
  p.hint === undefined ? "" : (
    <p class="hint muted" id={p.id} safe>
      {p.hint}
    </p>
  );

const describedBy = (p: FieldProps, id: string) => {
  const ids = [...(p.hint === undefined ? [] : [`${id}-hint`]), ...(p.errors.has(p.name) ? [`${id}-error`] : [])];
  return ids.length === 0 ? {} : { "aria-describedby": ids.join(" ") };
};

export const TextField = (
  p: FieldProps & {
    readonly type?: string;
    readonly maxlength?: number;
    readonly required?: boolean;
    readonly pattern?: string;
    readonly inputmode?: string;
    readonly autocomplete?: string;
    readonly min?: number;
    readonly max?: number;
  },
) => {
  const id = idOf(p.name);
  return (
    <div class="field">
      <Label {...p} id={id} />
      <input
        id={id}
        name={p.name}
        type={p.type ?? "text"}
        value={p.values[p.name] ?? ""}
        maxlength={p.maxlength === undefined ? undefined : String(p.maxlength)}
        min={p.min === undefined ? undefined : String(p.min)}
        max={p.max === undefined ? undefined : String(p.max)}
        step={p.type === "number" ? "1" : undefined}
        required={p.required === true}
        pattern={p.pattern}
        inputmode={p.inputmode}
        autocomplete={p.type === "number" ? undefined : (p.autocomplete ?? "off")}
        aria-invalid={p.errors.has(p.name) ? "true" : undefined}
        {...describedBy(p, id)}
      />
      <Hint id={`${id}-hint`} hint={p.hint} />
      <FieldError id={`${id}-error`} message={errorText(p.label, p.errors.get(p.name))} />
    </div>
  );
};

/** A whole number of minutes, days or meetings. */
export const NumberField = (p: FieldProps & { readonly min: number; readonly max: number; readonly required?: boolean }) => (
  <TextField {...p} type="number" inputmode="numeric" />
);

export const TextArea = (p: FieldProps & { readonly maxlength: number; readonly rows?: number }) => {
  const id = idOf(p.name);
  return (
    <div class="field">
      <Label {...p} id={id} />
      <textarea
        id={id}
        name={p.name}
        rows={String(p.rows ?? 3)}
        maxlength={String(p.maxlength)}
        aria-invalid={p.errors.has(p.name) ? "true" : undefined}
        {...describedBy(p, id)}
        safe
      >
        {p.values[p.name] ?? ""}
      </textarea>
      <Hint id={`${id}-hint`} hint={p.hint} />
      <FieldError id={`${id}-error`} message={errorText(p.label, p.errors.get(p.name))} />
    </div>
  );
};

export const Checkbox = (p: { readonly name: string; readonly label: string; readonly values: Values }) => {
  const id = idOf(p.name);
  return (
    <div class="field check">
      <input id={id} name={p.name} type="checkbox" checked={p.values[p.name] === "on"} />
      <label for={id} safe>
        {p.label}
      </label>
    </div>
  );
};

/** The messages of a form with errors, at its top, each linking to its field. */
export const ErrorSummary = (p: { readonly errors: Errors; readonly labels: (field: string) => string }) =>
  p.errors.size === 0 ? (
    ""
  ) : (
    <div class="notice" role="alert" tabindex="-1" id="error-summary">
      <p>
        <strong safe>{p.errors.size === 1 ? "One field needs a change:" : `${p.errors.size} fields need a change:`}</strong>
      </p>
      <ul>
        {[...p.errors].map(([field, message]) => (
          <li>
            <a href={`#${idOf(field)}`} safe>
              {errorText(p.labels(field), message)}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
