mod captures;
mod drops;
mod emits;
mod pcap;
mod samples;
