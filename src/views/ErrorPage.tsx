import { Layout, type PageContext } from "./Layout.tsx";

/** A page that says what went wrong in one sentence and offers a way back. */
export const ErrorPage = (props: {
  readonly page: PageContext;
  readonly title: string;
  readonly message: string;
  readonly back?: { readonly href: string; readonly label: string };
}) => (
  <Layout page={props.page} title={props.title}>
    <section class="card" role="alert">
      <h1 safe>{props.title}</h1>
      <p safe>{props.message}</p>
      {props.back === undefined ? (
        <p>
          <a href="/">All booking pages</a>
        </p>
      ) : (
        <p>
          <a href={props.back.href} safe>
            {props.back.label}
          </a>
        </p>
      )}
    </section>
  </Layout>
);
