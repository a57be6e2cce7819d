package dev.ato.protocol.internal;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.List;

/**
 * No element of the list of byte strings contains a NUL byte: arguments and options reach the program as
 * NUL-separated files read by {@code yargs}, so a NUL would split one argument into two.
 */
@Documented
@Constraint(validatedBy = NoNullBytes.Validator.class)
@Target({ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER})
@Retention(RetentionPolicy.RUNTIME)
public @interface NoNullBytes {
    /**
     * ATO's message, word for word.
     *
     * @return the message
     */
    String message() default "argument contains null byte";

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
     * Checks each element for a zero byte.
     */
    final class Validator implements ConstraintValidator<NoNullBytes, List<byte[]>> {
        /** Instantiated by the Bean Validation provider. */
        public Validator() {
        }

        @Override
        public boolean isValid(List<byte[]> value, ConstraintValidatorContext context) {
            return value == null || !anyHasNul(value);
        }

        /**
         * Whether any element holds a zero byte (also used for the arguments of test cases).
         *
         * @param value the byte strings
         * @return true when one has a zero byte
         */
        public static boolean anyHasNul(List<byte[]> value) {
            for (byte[] b : value) {
                for (byte x : b) {
                    if (x == 0) {
                        return true;
                    }
                }
            }
            return false;
        }
    }
}
