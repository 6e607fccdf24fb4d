import X509

/// What a participant does in a federation; carried in its certificate's organizational unit,
/// so the orchestrator learns a peer's role from the certificate the CA signed, not from
/// anything the peer says about itself.
public enum ParticipantRole: String, Codable, Sendable, CaseIterable {
    /// Runs the rounds; the agents' TLS server.
    case orchestrator
    /// A training client at a data holder; connects outward only.
    case agent
    /// Holds additive shares (MPC) or a re-shared HE key share.
    case shareHolder = "share-holder"

    /// The TLS roles its certificate is good for (RFC 5280 §4.2.1.12): the orchestrator serves
    /// and connects, the others only connect.
    var extendedKeyUsages: [ExtendedKeyUsage.Usage] {
        self == .orchestrator ? [.serverAuth, .clientAuth] : [.clientAuth]
    }
}

/// One participant of a federation: its name (`agent-3`, `share-holder-0`, `orchestrator`) and role.
public struct Participant: Sendable, Equatable, Codable {
    public let name: String
    public let role: ParticipantRole

    public init(name: String, role: ParticipantRole) throws {
        guard Self.isValidName(name) else { throw ProvisioningError.invalidName(name) }
        self.name = name; self.role = role
    }

    /// The subject every privfed certificate carries: CN = name, OU = role, O = privfed.
    var distinguishedName: DistinguishedName {
        get throws {
            try DistinguishedName {
                OrganizationName("privfed")
                OrganizationalUnitName(role.rawValue)
                CommonName(name)
            }
        }
    }

    /// Names are folder names and certificate common names: 1–64 of [a-z0-9-], not starting with '-'.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name.first != "-"
            && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    /// The participant a certificate or request names, read back from its subject (the
    /// orchestrator reads a verified peer certificate's this way).
    public init(subject: DistinguishedName) throws {
        var common: String?, unit: String?
        for rdn in subject {
            for attribute in rdn {
                if attribute.type == .RDNAttributeType.commonName { common = String(attribute.value) }
                if attribute.type == .RDNAttributeType.organizationalUnitName { unit = String(attribute.value) }
            }
        }
        guard let common, let unit, let role = ParticipantRole(rawValue: unit) else {
            throw ProvisioningError.unrecognisedSubject("\(subject)")
        }
        try self.init(name: common, role: role)
    }
}
