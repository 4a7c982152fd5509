"""The app-server benchmark (bench/appserver/run.sh): PicoLisp's app server
against httpgate-notes-app in each execution model."""
