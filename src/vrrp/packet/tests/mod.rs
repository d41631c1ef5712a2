mod auth;
mod captures;
mod drops;
mod emits;
mod pcap;
mod robust;
mod samples;
