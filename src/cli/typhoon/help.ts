/** `typhoon --help`. */
export const USAGE = `Usage: typhoon config <nginx|systemd|supervisord> [ENTRY] [options]

Prints a config for running a Typhoon app in production to stdout. ENTRY (server.ts or .js) is
loaded without serving, with a clean argv, to read its ports, xheaders and staticPath.

Common:
  --ports SPEC            one process per port: 8000-8003, 8000,8001 (default: the app's own port)
  -h, --help              this text

typhoon config nginx ENTRY (--ports 8000-8003 | --upstream HOST:PORT ...) [options]
  --upstream HOST:PORT    a backend (repeat; may be on other hosts); replaces --ports
  --listen ADDR           nginx's listen: 80 (default), 127.0.0.1:8080, [::]:80
  --server-name NAME      server_name (default _)
  --static-path DIR       serve this folder under the static prefix (default: the app's staticPath)
  --static-url-prefix P   default: the app's staticUrlPrefix, or /static/
  --tls-cert FILE --tls-key FILE [--tls-listen ADDR]   add an HTTPS server (default listen 443)
  --user USER             emit "user USER;" (for nginx started as root)
  --client-max-body-size SIZE   default 100m
  Run it with: nginx -p DIR -c FILE -g 'daemon off;'

typhoon config systemd ENTRY [--ports ...] [options]      a template unit NAME@.service
typhoon config supervisord ENTRY [--ports ...] [options]  a whole supervisord.conf
  --name NAME             unit/program name (default: package.json name or the entry's)
  --user USER             run the processes as USER
  --node PATH             node binary (default: this one, ${process.execPath})
  --port-flag FLAG        how the app takes its port (default --port, as the options module)
  --arg ARG               an extra argument for the app (repeat)
  --env NAME=VALUE        environment of the processes (repeat; default NODE_ENV=production)
  --nofile N              systemd LimitNOFILE (default 65536)
  --minfds N              supervisord minfds (default 65536)
  --log-dir DIR           supervisord logs (default: next to the config)
`;
