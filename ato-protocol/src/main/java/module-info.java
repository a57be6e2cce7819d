/**
 * ATO's wire protocol (v0 and v1) in msgpack, its validation rules, and a Java client. Only
 * {@code dev.ato.protocol} is exported; the reader and the constraint implementations stay internal, opened to
 * Hibernate Validator alone, which reads the constrained fields and instantiates the validators.
 */
module dev.ato.protocol {
    requires transitive java.net.http;
    requires msgpack.core;
    requires jakarta.validation;
    requires static org.hibernate.validator; // only RequestValidator, and only where the server supplies it

    exports dev.ato.protocol;

    opens dev.ato.protocol to org.hibernate.validator;
    opens dev.ato.protocol.internal to org.hibernate.validator;
}
