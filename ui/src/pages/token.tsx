import { useState } from "preact/hooks";
import { setToken, token } from "../api";

/**
 * The token form, shown when the server asked for one (401/403): the token stays in this tab's
 * sessionStorage and goes out as `Authorization: Bearer` on every API call, as for any client.
 *
 * @example `<TokenPage />`
 */
export function TokenPage() {
  const [value, setValue] = useState("");
  return (
    <section aria-labelledby="token-title">
      <h1 id="token-title">Token</h1>
      <p>
        This server needs a token (<code>.keel/tokens.json</code>): a read token to look, a write
        token to roll back aliases.{" "}
        {token() === null ? "None is set for this tab." : "One is set for this tab."}
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setToken(value.trim());
          history.back();
        }}
      >
        <label for="token-input">Bearer token</label>
        <input
          id="token-input"
          type="password"
          autocomplete="off"
          value={value}
          onInput={(e) => setValue(e.currentTarget.value)}
        />
        <button type="submit">Use token</button>
        <button type="button" onClick={() => setToken("")}>
          Forget token
        </button>
      </form>
    </section>
  );
}
