/**
 * The `rendezvous` command line. Each command loads only what it needs, so `slots` answers
 * without starting a database or a server.
 */
const [command = "serve", ...args] = process.argv.slice(2);

const usage = `usage: rendezvous <command>
  serve [--seed-demo]   migrate, optionally seed the demo host, and serve (PORT, default 3000)
  migrate               apply pending migrations and exit
  seed                  create the demo host (if missing) and exit
  sign-in <host-slug>   print a single-use sign-in link for that host (valid 15 minutes)
  archive               move bookings that ended ARCHIVE_AFTER_DAYS ago to the archive, prune old audit rows and notices
  backup <file>         write a pg_dump of the database to <file> (needs pg_dump, version >= the server's)
  restore <file>        load such a file into an empty database, then migrate it
  slots < spec.json     print the offered slots of a JSON availability spec
  storm --url …         book random slots over HTTP under load and verify (see README)`;

switch (command) {
  case "slots": {
    const { slotsCommand } = await import("./slots.ts");
    process.exitCode = await slotsCommand();
    break;
  }
  case "storm": {
    const { stormCommand } = await import("./storm.ts");
    process.exitCode = await stormCommand(args);
    break;
  }
  case "serve":
  case "migrate":
  case "seed":
  case "sign-in":
  case "archive":
  case "backup":
  case "restore": {
    const { runServerCommand } = await import("./server.ts");
    runServerCommand(command, args);
    break;
  }
  default:
    process.stderr.write(`${usage}\n`);
    process.exitCode = 2;
}
