mod auth;
mod captures;
mod drops;
mod emits;
mod fields;
mod pcap;
mod robust;
mod samples;
