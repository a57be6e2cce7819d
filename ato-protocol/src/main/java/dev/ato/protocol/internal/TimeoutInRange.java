package dev.ato.protocol.internal;

import dev.ato.protocol.ProtocolLimits;
import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The timeout is within ATO's 1..60 seconds. The message names the value ({@code timeout not in range 1-60: 61}),
 * which needs the value in the text; the validator writes it there itself so that no expression language is
 * needed to interpolate it.
 */
@Documented
@Constraint(validatedBy = TimeoutInRange.Validator.class)
@Target({ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER})
@Retention(RetentionPolicy.RUNTIME)
public @interface TimeoutInRange {
    /**
     * The message when the value is unknown (never used: the validator puts the value in).
     *
     * @return the message
     */
    String message() default "timeout not in range 1-60";

    /**
     * Validation groups.
     *
     * @return the groups
     */
    Class<?>[] groups() default {};

    /**
     * Payload.
     *
     * @return the payload
     */
    Class<? extends Payload>[] payload() default {};

    /**
     * Checks the range and words the violation as ATO does.
     */
    final class Validator implements ConstraintValidator<TimeoutInRange, Integer> {
        /** Instantiated by the Bean Validation provider. */
        public Validator() {
        }

        @Override
        public boolean isValid(Integer value, ConstraintValidatorContext context) {
            if (value == null || (value >= ProtocolLimits.MIN_TIMEOUT && value <= ProtocolLimits.MAX_TIMEOUT)) {
                return true;
            }
            context.disableDefaultConstraintViolation();
            // Only digits and '-' go into the template, so interpolation cannot change it.
            context.buildConstraintViolationWithTemplate("timeout not in range " + ProtocolLimits.MIN_TIMEOUT + "-"
                    + ProtocolLimits.MAX_TIMEOUT + ": " + value).addConstraintViolation();
            return false;
        }
    }
}
