import type { EventType, Host } from "../domain/model.ts";
import { Layout, type PageContext } from "./Layout.tsx";

export interface HostListing {
  readonly host: Host;
  readonly eventTypes: ReadonlyArray<EventType>;
}

/** `/`: every host and their active event types. */
export const HomePage = (props: { readonly page: PageContext; readonly hosts: ReadonlyArray<HostListing> }) => (
  <Layout page={props.page} title="Rendezvous">
    <h1>Book a meeting</h1>
    {props.hosts.length === 0 ? (
      <p>No hosts yet. Run <code>npm run seed</code> to add a demo host.</p>
    ) : (
      <ul class="hosts">
        {props.hosts.map(({ host, eventTypes }) => (
          <li class="card">
            <h2>
              <a href={`/${host.slug}`} safe>
                {host.name}
              </a>
            </h2>
            <ul class="event-types">
              {eventTypes
                .filter((e) => e.active)
                .map((e) => (
                  <li>
                    <a href={`/${host.slug}/${e.slug}`} safe>
                      {e.title}
                    </a>{" "}
                    <span class="muted">{e.durationMinutes} min</span>
                  </li>
                ))}
            </ul>
          </li>
        ))}
      </ul>
    )}
  </Layout>
);
