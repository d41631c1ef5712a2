mod captures;
mod pcap;
