package dev.ato.protocol;

import dev.ato.protocol.internal.NoNullBytes;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.ValidatorFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import org.hibernate.validator.HibernateValidator;
import org.hibernate.validator.messageinterpolation.ParameterMessageInterpolator;

/**
 * Checks a request against ATO's rules, with ATO's messages word for word: {@code timeout not in range 1-60: 61},
 * {@code argument contains null byte}, {@code no such language: X}.
 *
 * <p>The rules are Jakarta Bean Validation constraints on {@link ExecuteRequest} (Hibernate Validator, with the
 * {@link ParameterMessageInterpolator} so no expression language is needed). When several rules are broken the
 * one ATO checks first is reported: the timeout, then options, then arguments, then the language.
 *
 * <p>Hibernate Validator is an optional dependency of this module: a client that only sends requests does not
 * need it; whoever calls this class (a server) puts {@code org.hibernate.validator:hibernate-validator} on its
 * class or module path.
 */
public final class RequestValidator {
    /** ATO checks in this order; violations are reported in it. */
    private static final List<String> ORDER = List.of("timeout", "options", "arguments");

    private static final class Holder {
        static final ValidatorFactory FACTORY = Validation.byProvider(HibernateValidator.class)
                .configure()
                .messageInterpolator(new ParameterMessageInterpolator())
                .buildValidatorFactory();
        static final Validator VALIDATOR = FACTORY.getValidator();
    }

    private RequestValidator() {
    }

    /**
     * Checks the request and that its language exists.
     *
     * @param request the decoded request
     * @param languageExists answers whether the server has a language with this id
     * @throws ProtocolException with ATO's message for the first rule broken
     */
    public static void validate(ExecuteRequest request, Predicate<String> languageExists) {
        Objects.requireNonNull(languageExists, "languageExists");
        List<String> problems = violations(request);
        if (!problems.isEmpty()) {
            throw new ProtocolException(problems.getFirst());
        }
        if (!languageExists.test(request.language())) {
            throw new ProtocolException("no such language: " + request.language());
        }
    }

    /**
     * Every rule the request breaks, language existence aside, in ATO's order.
     *
     * @param request the request
     * @return ATO's messages, empty when the request is valid
     */
    public static List<String> violations(ExecuteRequest request) {
        Objects.requireNonNull(request, "request");
        Set<ConstraintViolation<ExecuteRequest>> found = Holder.VALIDATOR.validate(request);
        List<ConstraintViolation<ExecuteRequest>> sorted = new ArrayList<>(found);
        sorted.sort(Comparator.comparingInt(v -> rank(v.getPropertyPath().toString())));
        List<String> out = new ArrayList<>(sorted.size());
        for (ConstraintViolation<ExecuteRequest> v : sorted) {
            out.add(v.getMessage());
        }
        out.addAll(extensionViolations(request));
        return out;
    }

    /** The rules of the fields beyond ATO's, checked after ATO's own. */
    private static List<String> extensionViolations(ExecuteRequest request) {
        List<String> out = new ArrayList<>();
        request.outputLimit().ifPresent(limit -> {
            if (limit < 1 || limit > ProtocolLimits.MAX_OUTPUT_LIMIT) {
                out.add("output_limit not in range 1-" + ProtocolLimits.MAX_OUTPUT_LIMIT + ": " + limit);
            }
        });
        List<TestCase> cases = request.cases();
        if (cases.size() > ProtocolLimits.MAX_CASES) {
            out.add("cases: at most " + ProtocolLimits.MAX_CASES + ", got " + cases.size());
        }
        for (int i = 0; i < cases.size(); i++) {
            if (NoNullBytes.Validator.anyHasNul(cases.get(i).arguments())) {
                out.add("case " + i + ": argument contains null byte");
            }
        }
        if (request.interactive() && !cases.isEmpty()) {
            out.add("interactive and cases cannot be combined");
        }
        return out;
    }

    private static int rank(String property) {
        int i = ORDER.indexOf(property);
        return i < 0 ? ORDER.size() : i;
    }
}
