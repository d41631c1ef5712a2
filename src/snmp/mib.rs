//! What a MIB subtree offers the AgentX session: exact lookups and lexicographic successors,
//! answered from the child's state at the moment of the request (no copy of the state is kept).

/// An object identifier's sub-identifiers. AgentX carries at most 128.
pub(crate) const OID_MAX: usize = 128;
pub(crate) type Oid = heapless::Vec<u32, OID_MAX>;

/// keepalived's enterprise subtree: KEEPALIVED-MIB::keepalived (1.3.6.1.4.1.9586.100.5).
pub(crate) const KEEPALIVED: &[u32] = &[1, 3, 6, 1, 4, 1, 9586, 100, 5];
/// VRRP-MIB (RFC 2787): mib-2.vrrpMIB.
pub(crate) const VRRP_MIB: &[u32] = &[1, 3, 6, 1, 2, 1, 68];
/// VRRPV3-MIB (RFC 6527): mib-2.vrrpv3MIB.
pub(crate) const VRRPV3_MIB: &[u32] = &[1, 3, 6, 1, 2, 1, 207];

/// One value, in the SMI types AgentX encodes (RFC 2741 §5.4). Strings and OIDs borrow from
/// the table's state or from the scratch buffer the caller lends, so an answer allocates nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Value<'a> {
    Integer(i32),
    OctetString(&'a [u8]),
    Null,
    ObjectId(&'a [u32]),
    IpAddress([u8; 4]),
    Counter32(u32),
    Gauge32(u32),
    TimeTicks(u32),
    Counter64(u64),
}

/// A subtree the subagent registers and serves. `get` answers an exact OID (None: no such
/// object or instance); `next` finds the first object strictly after `after` in this subtree,
/// writes its OID into `found` and returns its value (None: the subtree has nothing after it).
/// `scratch` is for values the table formats on the fly (a text built from numbers).
pub(crate) trait Mib {
    /// The subtree's root, registered with the master agent.
    fn root(&self) -> &[u32];
    fn get<'a>(&'a self, oid: &[u32], scratch: &'a mut [u8]) -> Option<Value<'a>>;
    fn next<'a>(
        &'a self,
        after: &[u32],
        found: &mut Oid,
        scratch: &'a mut [u8],
    ) -> Option<Value<'a>>;
    /// Whether `oid` falls within an object of this table (a scalar's or a column's OID,
    /// followed by an instance or not), whether or not that instance exists: a Get then
    /// answers noSuchInstance, as net-snmp does below the objects keepalived registers, and
    /// noSuchObject elsewhere. None (the default): the session guesses from the data.
    fn has_object(&self, _oid: &[u32]) -> Option<bool> {
        None
    }
}
