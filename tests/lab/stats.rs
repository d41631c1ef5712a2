//! Reading the stats file keepalived (and we) write on SIGUSR2 (/tmp/keepalived.stats).
